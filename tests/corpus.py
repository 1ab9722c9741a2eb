"""A small fixture corpus for end-to-end runs, including hostile HTML for the report tests.

Every article here is fictional and written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

HOSTILE_TITLE = 'Curfew lifted <script>window.__pwned = 1</script>'
HOSTILE_SOURCE = 'Harbour "Post"><img src=x onerror="window.__pwned=2">'

TXT_ARTICLE = """---
title: "Rocket fire hits airbase near Haditha"
published: 2025-03-14
source: Valley Ledger
url: https://valley-ledger.example/haditha
---
Rockets struck an airbase near Haditha on Thursday night, the Iraqi military said.

Iraqi military spokesman Sami Jaber said the attack caused no casualties. \u201cThe air defences worked as \
designed,\u201d Jaber said.

The Brigades of the Northern Dawn claimed the attack early on Friday. The group, led by Abu Laith \
al-Karkhi, has claimed more than 20 attacks on bases since January.

Washington said it would respond at a time of its choosing.

Share this article

Related Articles
"""

MD_ARTICLE = """---
title: Talks resume in Baghdad
published: 2025-03-17
source: Tigris Notes
---
## Negotiations

Washington and Baghdad will restart talks this weekend on the future of foreign troops, officials \
said on Monday.

Al-Karkhi warned in a video that his fighters would \u201cnot stand idle\u201d if the talks failed.

Back to top button
"""

HTML_ARTICLE = f"""<!DOCTYPE html><html><head><title>{HOSTILE_TITLE.replace('<', '&lt;')}</title>
<meta property="og:site_name" content="{HOSTILE_SOURCE.replace('"', '&quot;').replace('<', '&lt;')}">
<meta property="article:published_time" content="2025-03-18T09:00:00+00:00"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Curfew lifted in Mosul</h1>
<p>Authorities in Mosul lifted a night curfew on Tuesday after a week of calm, the provincial council said.</p>
<p>Residents wrote &lt;script&gt;alert("x")&lt;/script&gt; on a banner to mock the old rules, one shopkeeper said.</p>
<p>Another banner read &lt;img src=x onerror=alert(1)&gt;, a joke about the city's slow internet.</p>
<p>\u201cWe can finally open in the evening,\u201d said Huda Nasser, who runs a bakery near the old bridge.</p>
<p>The council said police patrols would continue through the end of the month.</p>
</article><footer>Share this article Facebook Twitter. Copyright 2025. All rights reserved.</footer>
</body></html>"""

RECORDS = [
    {"title": "Protesters rally over power cuts", "published": "2025-03-19", "source": "Valley Ledger",
     "url": "https://valley-ledger.example/power",
     "text": "Hundreds of people protested in Basra on Wednesday over power cuts, police said.\n\n"
             "\"We have had four hours of electricity a day,\" said Karim Obaid, a teacher.",
     "author": "Staff"},
    {"title": "Two arrested over bombing", "published": "2025-03-20", "source": "Tigris Notes",
     "text": "Police arrested two men in Kirkuk on Thursday over a roadside bombing last week, the "
             "interior ministry said.\n\nThe bomb wounded three soldiers on March 12.", "author": "Desk"},
]


def build_small_corpus(folder: Path) -> Path:
    """Write the fixture corpus into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2025-03-14_haditha.txt").write_text(TXT_ARTICLE, encoding="utf-8")
    (folder / "notes" / "talks.md").parent.mkdir(exist_ok=True)
    (folder / "notes" / "talks.md").write_text(MD_ARTICLE, encoding="utf-8")
    (folder / "mosul.html").write_text(HTML_ARTICLE, encoding="utf-8")
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n{broken\n", encoding="utf-8")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
    return folder


# Files and records the manifest must account for: 5 files, 2 good records + 1 bad line in feed.jsonl.
EXPECTED_DOCUMENTS = 7
