"""Reading the curriculum: files, YAML, program options, Markdown and blocks, one file's `Parsed` value, converting many files, libraries, site files and translations."""
