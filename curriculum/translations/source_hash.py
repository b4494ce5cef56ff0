"""Print the version stamp of an English module's handouts.

Usage (from the repository root):  python curriculum/translations/source_hash.py cravings

The stamp is the first 12 hex characters of the SHA-256 of the module's handout blocks, found
with a rough regular expression. It goes in the `source:` field of a translation's front matter,
so a later check can tell when the English handouts changed after the translation was made.
"""
import hashlib, re, sys
text = open(f"curriculum/modules/{sys.argv[1]}.md", encoding="utf-8").read()
blocks = re.findall(r"^::: ?handout\b.*?^:::\s*$", text, re.S | re.M)  # rough: good enough as a version stamp
print(hashlib.sha256("\n".join(blocks).encode()).hexdigest()[:12])
