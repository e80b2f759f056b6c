#!/usr/bin/env python3
"""Convert the Python FAQ (HTML, Debian package python3.11-doc) into Desk knowledge-base articles.

Usage: python3 loadtest/bench/kb/faq_to_articles.py OUT_DIR [--faq-dir DIR]

Writes
  OUT_DIR/titled/NAME.md    one article per FAQ question: front matter (title = the question,
                            category = the FAQ page) and the answer as plain Markdown
  OUT_DIR/untitled/NAME.md  the same articles titled "FAQ entry N", so the title gives nothing away
  OUT_DIR/questions.tsv     NAME<TAB>question, the queries for the untitled set

A question is a section (h2..h6) of the page's main body; its answer is the section's own content,
without its subsections. Sections whose own answer is shorter than 40 characters (the category
headings such as "General Information") are skipped. Standard library only.
"""

import argparse
import html.parser
import json
import os
import re
import sys
import unicodedata

DEFAULT_FAQ_DIR = "/usr/share/doc/python3.11/html/faq"
PAGES = ["general", "programming", "design", "library", "extending", "windows", "gui", "installed"]
MIN_ANSWER_CHARS = 40
MAX_SLUG = 80
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Tags that end the current run of inline text.
BLOCK_TAGS = {"p", "div", "pre", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "table", "tr", "section", "nav",
              "figure", "figcaption", "hr", "br"} | set(HEADINGS)
VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "col", "area", "base", "embed", "source", "wbr"}


def normalize_space(text):
    return re.sub(r"\s+", " ", text.replace("\u00b6", " ")).strip()


class Section:
    def __init__(self, level):
        self.level = level
        self.title = ""
        self.blocks = []  # Markdown blocks of the section's own content (not its subsections')


class FAQParser(html.parser.HTMLParser):
    """Collects the sections of a Sphinx page's main body (<div class="body" role="main">)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections = []       # every section, in document order
        self.stack = []          # open sections
        self.in_main = False
        self.main_div_depth = 0  # <div> nesting inside the main body
        self.skip_depth = 0      # > 0 inside content that is dropped (local table of contents, permalinks)
        self.skip_tag = None
        self.heading = None      # text of the heading being read, or None
        self.pre = None          # text of the <pre> being read, or None
        self.buf = []            # inline text of the current paragraph
        self.code_depth = 0      # inside inline <code>/<kbd>
        self.lists = []          # open lists: [kind, next number]
        self.quote_depth = 0
        self.pending_prefix = None  # "- " / "1. " for the first paragraph of a list item
        self.admonition_title = False  # the paragraph is a "Note" / "See also" label

    # --- helpers -------------------------------------------------------------------------------
    def current(self):
        return self.stack[-1] if self.stack else None

    def indent(self):
        return "   " * len(self.lists)

    def emit(self, block):
        section = self.current()
        if section is not None and block:
            section.blocks.append(block)

    def flush(self):
        text = normalize_space("".join(self.buf))
        self.buf = []
        if not text:
            return
        if self.admonition_title:
            self.admonition_title = False
            text = text.rstrip(":") + ":"
        if self.pending_prefix is not None:
            prefix = "   " * (len(self.lists) - 1) + self.pending_prefix
            self.pending_prefix = None
        else:
            prefix = self.indent()
        if self.quote_depth:
            prefix = "> " + prefix
        self.emit(prefix + text)

    # --- parser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if not self.in_main:
            if tag == "div" and a.get("role") == "main":
                self.in_main = True
                self.main_div_depth = 1
            return
        if tag == "div":
            self.main_div_depth += 1
        if self.skip_depth:
            if tag == self.skip_tag and tag not in VOID_TAGS:
                self.skip_depth += 1
            return
        if (tag == "nav" and "contents" in classes) or (tag == "a" and "headerlink" in classes):
            self.skip_tag, self.skip_depth = tag, 1
            return
        if self.pre is not None:
            return
        if tag in BLOCK_TAGS:
            self.flush()
        if tag == "section":
            section = Section(level=(self.current().level + 1) if self.current() else 1)
            self.stack.append(section)
            self.sections.append(section)
        elif tag in HEADINGS:
            self.heading = []
            if self.current() is not None:
                self.current().level = HEADINGS[tag]
        elif tag == "pre":
            self.pre = []
        elif tag == "p" and "admonition-title" in classes:
            self.admonition_title = True
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 1])
        elif tag == "li":
            if self.lists:
                kind = self.lists[-1]
                self.pending_prefix = "- " if kind[0] == "ul" else "%d. " % kind[1]
                kind[1] += 1
            else:
                self.pending_prefix = "- "
        elif tag == "blockquote":
            self.quote_depth += 1
        elif tag in ("code", "kbd") and self.heading is None:
            if self.code_depth == 0:
                self.buf.append("\x00")  # marks where the literal starts; becomes a backtick run
            self.code_depth += 1

    def handle_endtag(self, tag):
        if not self.in_main:
            return
        if tag == "div":
            self.main_div_depth -= 1
            if self.main_div_depth == 0:
                self.flush()
                self.in_main = False
                return
        if self.skip_depth:
            if tag == self.skip_tag:
                self.skip_depth -= 1
            return
        if self.pre is not None:
            if tag == "pre":
                code = "".join(self.pre).rstrip()
                self.pre = None
                code = "\n".join(line.rstrip() for line in code.split("\n")).strip("\n")
                if code:
                    fence = "```"
                    while fence in code:
                        fence += "`"
                    # Inside a list item or quotation the block keeps the item's indentation.
                    prefix = ("> " if self.quote_depth else "") + self.indent()
                    block = fence + "\n" + code + "\n" + fence
                    self.emit("\n".join((prefix + line).rstrip() for line in block.split("\n")))
            return
        if tag in HEADINGS and self.heading is not None:
            title = normalize_space("".join(self.heading))
            self.heading = None
            if self.current() is not None:
                self.current().title = title
            return
        if tag in ("code", "kbd") and self.code_depth:
            self.code_depth -= 1
            if self.code_depth == 0:
                self.close_literal()
            return
        if tag in BLOCK_TAGS:
            self.flush()
        if tag == "section" and self.stack:
            self.stack.pop()
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.pending_prefix = None
        elif tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1

    def close_literal(self):
        # Replace the start marker and the text since it with `literal`.
        joined = "".join(self.buf)
        start = joined.rfind("\x00")
        if start < 0:
            return
        literal = normalize_space(joined[start + 1:])
        if literal:
            tick = "``" if "`" in literal else "`"
            pad = " " if tick == "``" else ""
            literal = tick + pad + literal + pad + tick
        self.buf = [joined[:start], literal]

    def handle_data(self, data):
        if not self.in_main or self.skip_depth:
            return
        if self.pre is not None:
            self.pre.append(data)
        elif self.heading is not None:
            self.heading.append(data)
        else:
            self.buf.append(data)


def slugify(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:MAX_SLUG].strip("-") or "faq"


def unique_name(base, used):
    name, n = base, 1
    while name in used:
        n += 1
        suffix = "-%d" % n
        name = base[:MAX_SLUG - len(suffix)].strip("-") + suffix
    used.add(name)
    assert FILE_NAME.match(name + ".md") and not name.startswith("."), name
    return name


def extract(path):
    parser = FAQParser()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    entries = []
    for section in parser.sections:
        if section.level < 2 or not section.title:
            continue
        body = "\n\n".join(section.blocks).strip()
        plain = normalize_space(re.sub(r"[`>#*-]", " ", body))
        if len(plain) < MIN_ANSWER_CHARS:
            continue
        entries.append((section.title, body))
    return entries


def front_matter(title, category):
    # JSON strings are valid YAML double-quoted scalars.
    # The category is a page name (plain lowercase word), written bare.
    return "---\ntitle: %s\ncategory: %s\n---\n\n" % (json.dumps(title, ensure_ascii=False), category)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--faq-dir", default=DEFAULT_FAQ_DIR,
                    help="the FAQ's HTML folder (default %s, from apt-get install python3.11-doc)" % DEFAULT_FAQ_DIR)
    args = ap.parse_args(argv)

    missing = [p for p in PAGES if not os.path.isfile(os.path.join(args.faq_dir, p + ".html"))]
    if missing:
        sys.exit("faq_to_articles: %s not found in %s (apt-get install python3.11-doc)"
                 % (", ".join(p + ".html" for p in missing), args.faq_dir))

    titled = os.path.join(args.out_dir, "titled")
    untitled = os.path.join(args.out_dir, "untitled")
    for d in (titled, untitled):
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):  # a rerun replaces the previous set
            if old.endswith(".md"):
                os.remove(os.path.join(d, old))

    used, rows, per_page = set(), [], {}
    for page in PAGES:
        for title, body in extract(os.path.join(args.faq_dir, page + ".html")):
            name = unique_name(slugify(title), used)
            n = len(rows) + 1
            with open(os.path.join(titled, name + ".md"), "w", encoding="utf-8") as f:
                f.write(front_matter(title, page) + body + "\n")
            with open(os.path.join(untitled, name + ".md"), "w", encoding="utf-8") as f:
                f.write(front_matter("FAQ entry %d" % n, page) + body + "\n")
            rows.append((name, title))
            per_page[page] = per_page.get(page, 0) + 1

    with open(os.path.join(args.out_dir, "questions.tsv"), "w", encoding="utf-8") as f:
        for name, title in rows:
            f.write("%s\t%s\n" % (name, title.replace("\t", " ")))

    print("wrote %d articles to %s (%s)" % (len(rows), args.out_dir,
                                            ", ".join("%s %d" % (p, per_page.get(p, 0)) for p in PAGES)))


if __name__ == "__main__":
    main()
