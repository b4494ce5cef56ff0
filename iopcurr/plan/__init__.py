"""Planning and checking: the rule of thirds (`thirds`), the program calendar, checks across the curriculum, links, wording, branding and raw-HTML safety."""
