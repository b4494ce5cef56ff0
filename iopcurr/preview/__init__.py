"""The live preview: the server, the file watcher and the overlay script for the browser."""
