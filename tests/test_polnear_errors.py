"""Grouping PolNeAR evaluation errors (benchmarks/polnear_errors.py)."""

import polnear
import polnear_errors


def test_a_predicted_name_inside_a_longer_gold_source_is_the_same_speaker():
    assert polnear_errors.within("Lena Brandt", "Lena Brandt, a former city official")
    assert not polnear_errors.within("Brandt Lena Smith", "Lena Brandt, a former official")
    assert not polnear_errors.within("he", "he")


def test_context_says_where_the_speaker_stands_and_how_the_quote_ends():
    text = "\u201cIs it open?\u201d Okafor asked.\n\nShe continued: \u201cNo.\u201d"
    asked = {"speaker": "Okafor", "start_char": 1, "end_char": 12, "cue": "asked",
             "speaker_start": text.index("Okafor"), "speaker_end": text.index("Okafor") + 6}
    assert polnear_errors.context(text, asked) == ("after", "question mark")
    no = text.index("No.")
    continued = {"speaker": "She", "start_char": no, "end_char": no + 3, "cue": "continued:",
                 "speaker_start": text.index("She"), "speaker_end": text.index("She") + 3}
    assert polnear_errors.context(text, continued) == ("before (colon)", "full stop")


def test_a_false_quote_inside_reported_speech_is_told_apart_from_a_title():
    text = "Okafor said the plan was \u201ca bridge to nowhere\u201d and watched \u201cEvening Desk\u201d later."
    ann = ("T1\tSource 0 6\tOkafor\nT2\tCue 7 11\tsaid\n"
           f"T3\tContent 12 {text.index(' and')}\tx\nT4\tAttribution 7 11\tsaid\n"
           "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n")
    annotation = polnear.parse_ann(ann)
    phrase = text.index("a bridge")
    show = text.index("Evening")
    assert polnear_errors.spurious_pattern((phrase, phrase + 19), [], annotation, text).startswith(
        "quoted words inside reported speech")
    assert polnear_errors.spurious_pattern((show, show + 12), [], annotation, text).startswith(
        "not an attribution")
    gold = [{"start_char": phrase, "end_char": phrase + 19}]
    assert polnear_errors.spurious_pattern((phrase + 2, phrase + 30), gold, annotation, text) == "boundary"
