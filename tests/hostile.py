"""A hostile corpus for stage-1 tests: every awkward input the ingester promises to survive.

:func:`build_hostile_corpus` writes the files into a folder (a ``tmp_path`` at test time; nothing
binary is committed) and returns ``{relative path: expected status or a short description}``.
All article text here is invented for the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

# A few paragraphs of invented English reporting, reused (with changes) by several files.
PORT_STORY = [
    "Dockworkers in the northern port of Valmora ended a nine-day strike on Tuesday after the "
    "harbour authority agreed to review night-shift pay and safety rules for crane operators.",
    "The stoppage had left more than forty container ships waiting offshore, and local traders "
    "said shortages of fresh produce had begun to push up prices in the city's markets.",
    "Union leader Marta Olsen told reporters that the agreement was a first step and that her "
    "members would return to the picket lines if the review stalled before the end of the month.",
    "The harbour authority said in a statement that cargo handling would resume at full capacity "
    "by Thursday morning, once inspections of the idle cranes were complete.",
]

FLOOD_STORY = [
    "Heavy rain flooded three villages along the Serrin river overnight, forcing about two "
    "thousand residents to leave their homes, the regional emergency office said on Sunday.",
    "Rescue teams used boats to reach families stranded on rooftops, and a temporary shelter "
    "was opened in the gymnasium of a secondary school on higher ground.",
    "Forecasters warned that more storms were expected later in the week and urged people living "
    "near the riverbanks to follow evacuation orders without delay.",
]

FRENCH_STORY = (
    "Les habitants de la petite ville de Saint-Aubin ont manifesté samedi contre la fermeture "
    "annoncée de leur maternité, la seule à moins d'une heure de route.\n\n"
    "Selon les organisateurs, plus de mille personnes se sont rassemblées devant la mairie pour "
    "demander au gouvernement de revenir sur sa décision avant la fin de l'année.\n\n"
    "Le ministère de la Santé a indiqué qu'une réunion avec les élus locaux serait organisée dans "
    "les prochaines semaines afin d'étudier d'autres solutions pour les familles de la région.\n"
)

# The web page's article (its own text, so no near-duplicate pairs arise by accident).
WEB_STORY = [
    "The city council of Valmora voted on Thursday to turn the disused rail yard behind the port "
    "into a public park, ending a dispute with developers that had lasted almost six years.",
    "Council members said the plan would add eleven hectares of green space, a playground and a "
    "cycle path linking the old town with the beaches to the south.",
    "Developers who had hoped to build apartments on the site said they were disappointed and "
    "would study the decision before deciding whether to challenge it in court.",
    "Work on the park is expected to start next spring and to cost about twelve million euros, "
    "most of it from a regional fund for urban renewal.",
]

# One distinct article per good JSONL/CSV record.
RECORD_TEXTS = [
    "The old stone bridge at Kellby was closed to traffic on Saturday so that engineers could "
    "replace rusted supports, and a ferry will carry cars across the river until it reopens.",
    "Fishmongers at the covered market raised their prices for the second week running, blaming "
    "rough seas that kept most of the local fleet in harbour since the start of the month.",
    "Inspectors began checking the twelve harbour cranes on Monday, a process the port operator "
    "expects to finish within four days if the weather stays calm.",
    "A sports hall in the upper town was turned into a shelter for people whose houses were damaged "
    "by the storm, with camp beds, hot meals and a small medical post.",
]

# Text that must survive as *text* (escaped in the HTML source, so no element is created).
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def paragraphs(parts: list[str]) -> str:
    return "\n\n".join(parts) + "\n"


def html_page(title: str, body_paragraphs: list[str], *, article: bool = True) -> str:
    """A news page with navigation, share buttons and a footer around the article."""
    paras = "\n".join(f"      <p>{p}</p>" for p in body_paragraphs)
    main = (f"""  <article>
    <h1>{title}</h1>
    <div class="share"><a href="#">Share on Facebook</a> <a href="#">Twitter</a> <a href="#">Email</a></div>
    <div class="article-body">
{paras}
    </div>
  </article>""" if article else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | The Valmora Herald</title>
  <meta property="og:site_name" content="The Valmora Herald">
  <meta property="article:published_time" content="2025-03-04T08:30:00Z">
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
  <li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav>
{main}
  <footer><p>Copyright 2025 The Valmora Herald. All rights reserved.</p>
  <p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p></footer>
</body>
</html>
"""


def long_document() -> str:
    """About 6,000 characters of distinct paragraphs (well over ``max_chars=2000``)."""
    parts = []
    for i in range(1, 41):
        parts.append(f"Paragraph {i} of the council budget report notes that spending on road repairs in "
                     f"district {i} rose by {i + 2} percent compared with the previous year.")
    return paragraphs(parts)


def build_hostile_corpus(folder: Path) -> dict[str, str]:
    """Write the hostile corpus under ``folder``; return ``{relative path: expectation}``.

    For one-article files the expectation is the expected ``status`` (kept, rejected, duplicate)
    or a short description; for JSONL/CSV files it describes the records.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = {}
    expect: dict[str, str] = {}

    def add(name: str, content: str | bytes, expectation: str) -> None:
        files[name] = content
        expect[name] = expectation

    add("news/front_matter.txt",
        "---\ntitle: Valmora dockworkers end strike\npublished: 2025-03-04\nsource: Valmora Herald\n"
        "url: https://example.org/valmora-strike\nauthor: Jo Reyes\n---\n" + paragraphs(PORT_STORY),
        "kept")
    add("news/markdown.md",
        "# Orchestra returns to the concert hall\n\n"
        "After two years of renovation, the city orchestra played its first concert in the restored "
        "hall on Friday night before an audience of about nine hundred people.\n\n"
        "**The conductor** thanked the builders from the stage, and the [programme notes]"
        "(https://example.org/notes) described the new organ in _great_ detail.\n\n"
        "Tickets for the rest of the season went on sale on Saturday and sold out within hours.\n",
        "kept")
    add("web/article.html",
        html_page("Valmora votes for a park", WEB_STORY), "kept")
    add("web/no_main_text.html", html_page("Nothing here", [], article=False), "rejected")
    add("web/escaped_markup.html",
        html_page("Security researchers warn of forged pages", [
            "Security researchers said on Monday that forged news pages had been used to spread "
            "malicious code to readers in several countries over the past month.",
            "One forged page contained the text &lt;script&gt;alert(1)&lt;/script&gt; inside an "
            "ordinary paragraph, which a careless viewer would run as a script.",
            "Another hid an image tag, &lt;img src=x onerror=alert(1)&gt;, that fires when the picture "
            "fails to load, the researchers wrote in their report.",
            "They advised publishers to escape every piece of text taken from articles before "
            "showing it again in a browser, including titles and quotes.",
        ]), "kept (article text contains script and img markup as text)")
    add("bad/empty.txt", b"", "rejected")
    add("bad/whitespace_only.txt", b"  \n\t\n  ", "rejected")
    add("bad/image.txt", PNG_HEADER + b"\x00" * 64 + b"IDAT\x00\x00", "rejected")
    add("bad/report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj junk junk\n", "rejected")
    add("bad/letter.docx", b"PK\x03\x04 not really a word document", "rejected")
    add("enc/cp1252.txt",
        ("\u201cWe will rebuild the caf\u00e9 before summer,\u201d the owner said on Friday, "
         "adding that the insurer\u2019s report was due next week \u2013 perhaps sooner.\n\n"
         "Neighbours have already raised money for new windows and a fresh coat of paint.\n").encode("cp1252"),
        "kept (cp1252)")
    add("enc/latin1.txt",
        ("Le caf\u00e9 de la gare a rouvert ses portes apr\u00e8s trois mois de travaux, "
         "a annonc\u00e9 son propri\u00e9taire \u00e0 la presse locale.\n").encode("latin-1"),
        "kept (latin-1, decoded as cp1252)")
    add("enc/bom.txt",
        b"\xef\xbb\xbf" + "The na\u00efve plan to widen the bridge was dropped after engineers found "
        "cracks in two of its pillars, the transport ministry said.\n".encode("utf-8"),
        "kept (utf-8-sig)")
    add("records/articles.jsonl", "\n".join([
        json.dumps({"headline": "Bridge closed for repairs", "body": RECORD_TEXTS[0], "date": "2025-02-01",
                    "outlet": "River Post", "author": "Sam Ode"}),
        '{"title": "Broken", "text": "this line is not valid JSON',
        json.dumps(["an", "array", "not", "an", "object"]),
        json.dumps({"title": "No text here", "source": "River Post"}),
        "",
        json.dumps({"title": "Market prices", "text": RECORD_TEXTS[1], "published": "2025-02-03",
                    "source": "River Post"}),
    ]) + "\n", "records: line 1 kept, 2 malformed, 3 array, 4 no text, 5 blank, 6 kept")
    add("records/articles.csv",
        "title,text,date,outlet\n"
        f"Crane inspections,\"{RECORD_TEXTS[2]}\",2025-03-05,Harbour Daily\n"
        "Too many fields,Some text,2025-03-05,Harbour Daily,extra,fields\n"
        "Empty text,,2025-03-06,Harbour Daily\n"
        f"Shelter opens,\"{RECORD_TEXTS[3]}\",2025-03-07,Harbour Daily\n",
        "records: row 2 kept, 3 too many fields, 4 empty text, 5 kept")
    add("text/mojibake.txt",
        "The ministerâ€™s office said the talks were â€œconstructiveâ€\x9d and would continue "
        "next week in the capital.\n\nOfficials declined to give further details about the agenda.\n",
        "kept (mojibake repaired)")
    add("text/odd_spaces.txt",
        "The\u00a0mayor said\u202fthe new tram line would open in\u00a0May.\n\n"
        "Work on the\u200b depot was\u2009almost finished, she\u200d added.\n",
        "kept (odd spaces normalised)")
    add("text/boilerplate.txt",
        "Advertisement\n\nThe regional court on Wednesday postponed the trial of two former "
        "customs officers accused of taking bribes at the border crossing.\n\nShare this article\n\n"
        "Prosecutors asked for more time to translate documents seized during the investigation.\n\n"
        "Related Articles\n\nBack to top button\n",
        "kept (boilerplate lines dropped)")
    add("text/hyphenated.txt",
        "The commission published its recommen-\ndations on Monday after a year of hearings with "
        "farmers, retailers and consumer groups.\n\nA well-known economist called the proposals "
        "sensible.\n",
        "kept (dehyphenated)")
    add("dups/original.txt", paragraphs(FLOOD_STORY), "kept")
    add("dups/original_copy.txt", paragraphs(FLOOD_STORY), "duplicate")
    near_a = [
        "The national statistics office said on Wednesday that unemployment fell to 5.1 percent in the "
        "third quarter, its lowest level in more than a decade.",
        "Economists had expected a smaller decline, and several said the figures suggested that hiring "
        "in construction and retail had held up better than feared.",
        "The finance minister welcomed the numbers but warned that higher energy costs could still slow "
        "the economy during the winter months.",
        "Opposition parties said the government should do more to help young people, whose jobless rate "
        "remains close to twice the national average.",
    ]
    near_b = [*near_a[:-1], near_a[-1].replace("remains close to twice", "is still nearly double")]
    assert near_b != near_a
    add("near/a_first.txt", paragraphs(near_a), "kept")
    add("near/b_second.txt", paragraphs(near_b), "duplicate (near)")
    add("lang/french.txt", FRENCH_STORY, "kept (language fr)")
    add("long/long.txt", long_document(), "kept (truncated at max_chars=2000)")
    add("text/bad_front_matter.txt",
        "---\ntitle: [unclosed\npublished: : :\n---\nThe library will extend its opening hours during "
        "the exam period, the university said, after students collected signatures for a petition.\n",
        "kept (front matter error recorded)")

    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return expect


# --- the red-team corpus --------------------------------------------------------------------------
# What an attacker (or an unlucky scrape) puts in a corpus folder: links out of it, special
# files, parser bombs, impossible dates, odd encodings and file names. Built at test time; the
# "outside" folder stands for the researcher's home (credentials) next to the corpus.

SECRET = "machine example.org login researcher password hunter2-do-not-leak"

BILLION_LAUGHS = (
    '---\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'
    'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n---\n'
    "The body of a page whose front matter would grow to gigabytes.\n")

# A Latin-1 file name: not valid UTF-8, so it cannot be written into a table as it is.
LATIN1_NAME = b"caf\xe9_story.txt"


# Short, unrelated articles (so no two are near duplicates of each other).
SHORT_STORIES = {
    "bakery": "A bakery in the old market square won a regional prize for its rye bread, and the owner "
              "said the recipe had not changed since her grandfather opened the shop.",
    "library": "The county library will lend gardening tools from next month, a pilot scheme that "
               "volunteers hope will spread to smaller branches in the hills.",
    "choir": "Forty singers from three villages formed a choir that rehearses in a disused chapel and "
             "plans its first public concert before the harvest festival.",
    "tram": "Tram drivers received new timetables after complaints that evening services on the "
            "eastern line ran too rarely for shift workers at the hospital.",
    "ferry": "Ferry services to the islands resumed on Monday after the storm, the operator said, with "
             "extra sailings planned for the weekend.",
    "bus": "A night bus linking the university with the railway station will run on Fridays and "
           "Saturdays, the transport authority announced after a student petition.",
    "museum": "The maritime museum put a restored lifeboat on display, the first exhibit in a hall "
              "that stood empty for a decade while the roof was repaired.",
    "prices": "Wholesale prices of olive oil fell sharply this season, cooperative managers reported, "
              "as a mild spring brought the largest crop in many years.",
}


def front_matter_story(published: str, story: str, source: str = "Harbour Daily") -> str:
    return (f"---\ntitle: A note on the {story}\npublished: {published}\nsource: {source}\n---\n"
            + SHORT_STORIES[story] + "\n")


def build_red_team_corpus(folder: Path, outside: Path, *, unprivileged: bool) -> dict[str, str]:
    """Write the red-team corpus under ``folder`` (and a secret under ``outside``).

    Returns ``{doc_id: expectation}`` where the expectation starts with the expected status
    (``kept``, ``rejected``, ``duplicate``) followed by a word its reason or data must contain.
    ``unprivileged`` adds unreadable files and folders (root reads them anyway).
    """
    import os

    folder, outside = Path(folder), Path(outside)
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "git-credentials").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "more").mkdir(exist_ok=True)
    (outside / "more" / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    expect: dict[str, str] = {}

    def write(name: str | bytes, content: str | bytes, expectation: str) -> None:
        path = Path(os.fsdecode(os.path.join(os.fsencode(str(folder)), os.fsencode(name))))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        key = os.fsencode(name).decode("utf-8", errors="backslashreplace")
        expect[key] = expectation

    def link(name: str, target: str | Path, expectation: str) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
        expect[name] = expectation

    # A genuine article the links below point at.
    write("news/original.txt", paragraphs(PORT_STORY), "kept")
    # Links.
    link("leak/notes.txt", outside / "git-credentials", "rejected outside the corpus")
    link("leak/passwd.txt", "/etc/passwd", "rejected outside the corpus")
    link("leak/mem.txt", "/proc/self/mem", "rejected outside the corpus")
    link("leak/relative.txt", Path("..") / ".." / outside.name / "git-credentials", "rejected outside the corpus")
    link("leak/outside_folder", outside / "more", "rejected outside the corpus")
    link("leak/loop.txt", "loop.txt", "rejected loop")
    link("leak/broken.txt", "no-such-file.txt", "rejected broken")
    link("leak/news_again", Path("..") / "news", "rejected folder")
    link("leak/copy_of_original.txt", Path("..") / "news" / "original.txt", "duplicate exact")
    # A special file: reading a FIFO would block the run forever.
    os.mkfifo(folder / "special" / "pipe.txt") if (folder / "special").mkdir() is None else None
    expect["special/pipe.txt"] = "rejected named pipe"
    # A file name that is not valid UTF-8.
    write(b"names/" + LATIN1_NAME, paragraphs(FLOOD_STORY), "kept")
    # Parser bombs and limits.
    write("yaml/billion_laughs.md", BILLION_LAUGHS, "rejected aliases")
    write("yaml/huge_front_matter.md", "---\n" + "".join(f"k{i}: v{i}\n" for i in range(10_000))
          + "---\nBody after huge front matter.\n", "kept longer than")
    nested = '{"text": "deep", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    write("json/deep.json", nested, "rejected nested too deeply")
    write("json/big_number.json", '{"text": "A story with a giant number.", "n": ' + "9" * 100_000 + "}",
          "rejected digits")
    write("json/deep_line.jsonl", "[" * 50_000 + "]" * 50_000 + "\n"
          + json.dumps({"text": WEB_STORY[0]}) + "\n", "records")
    expect.pop("json/deep_line.jsonl")
    expect["json/deep_line.jsonl#1"] = "rejected nested too deeply"
    expect["json/deep_line.jsonl#2"] = "kept"
    # CSV with an unclosed quote in row 3: rows 2 and 4 must survive as their own documents.
    write("csv/unclosed.csv",
          "title,text,date\n"
          f"First,\"{RECORD_TEXTS[1]}\",2025-03-01\n"
          f"Broken,\"{RECORD_TEXTS[2]},2025-03-02\n"
          f"Last,{RECORD_TEXTS[3].replace(',', ';')},2025-03-03\n", "records")
    expect.pop("csv/unclosed.csv")
    expect |= {"csv/unclosed.csv#2": "kept", "csv/unclosed.csv#3": "rejected unbalanced quotes",
               "csv/unclosed.csv#4": "kept"}
    write("csv/nul.csv", f"title,text\nNul row,\"{RECORD_TEXTS[0]}\x00\"\n", "records")
    expect.pop("csv/nul.csv")
    expect["csv/nul.csv#2"] = "kept nul_bytes_removed"
    # Dates: impossible, out of range, not a date; dates in the text that no calendar has.
    write("dates/feb30.md", front_matter_story("2024-02-30", "bakery"), "kept date_error")
    write("dates/far_future.md", front_matter_story("9999-12-31", "library"), "kept date_error")
    write("dates/year_one.md", front_matter_story("0001-01-01", "choir"), "kept date_error")
    write("dates/not_a_date.md", front_matter_story("not a date", "museum"), "kept date_error")
    write("dates/in_text.txt",
          "The archive lists a ledger dated October 0000, which the clerk called a printing error.\n\n"
          "A poster promised the winter of 9999 would be the coldest, and a sign said December 31, 9999.\n",
          "kept")
    # Text that breaks naive charting: mathtext dollars in the source and title.
    write("charts/mathtext.md", front_matter_story("2025-03-05", "prices", source="Cash $$ News")
          .replace("title: A note on the prices", "title: Prices $x^2$ rise"), "kept")
    # Encodings.
    write("enc/utf16le.txt", SHORT_STORIES["ferry"].encode("utf-16-le"), "kept utf-16-le")
    write("enc/utf16be.txt", SHORT_STORIES["bus"].encode("utf-16-be"), "kept utf-16-be")
    write("enc/utf32le.txt", SHORT_STORIES["tram"].encode("utf-32-le"), "kept utf-32-le")
    write("enc/mixed.txt",
          "The caf\u00e9 on the quay reopened on Friday, its owner said.\n\n".encode()
          + "Neighbours called it \u201cthe best news of the winter\u201d and queued outside.\n".encode("cp1252"),
          "kept utf-8+cp1252")
    write("big/too_big.txt", "A long line of filler words for the size limit test. " * 24_000, "rejected larger than")
    if unprivileged:
        write("locked/secret_file.txt", paragraphs(WEB_STORY), "rejected cannot be read")
        (folder / "locked" / "secret_file.txt").chmod(0)
        write("locked_folder/inside.txt", paragraphs(WEB_STORY), "rejected")
        expect.pop("locked_folder/inside.txt")
        expect["locked_folder"] = "rejected folder cannot be read"
        (folder / "locked_folder").chmod(0)
    return expect


# The size limit the red-team tests set (max_file_mb): big/too_big.txt (1,296,000 bytes) is over it.
RED_TEAM_MAX_FILE_MB = 1.0
