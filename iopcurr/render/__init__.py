"""Rendering the site: the theme and pages (`pages`), the packet and manual, translated pages, session pages, run sheets, Tonight, search, the calendar file, PDFs and the changes page."""
