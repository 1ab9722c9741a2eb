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
