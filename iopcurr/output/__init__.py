"""Writing the site: the atomic stage and output lock, the parse cache and the zip of the site."""
