"""The built-in catalogue's translated titles: complete, plausible, and the English untouched."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from bot.domain.catalogue import Catalogue

LANGUAGES = ("ar", "zh_Hans", "zh_Hant", "fr", "de", "hi", "id", "ru", "es")
NON_LATIN = ("ar", "zh_Hans", "zh_Hant", "hi", "ru")
MAX_TRANSLATED_TITLE = 150

# The English titles exactly as in the Global Conversations report (November 2020).
RECOMMENDATIONS = {
    1: "Increase the Sustainability of Our Movement",
    2: "Improve User Experience",
    3: "Provide for Safety and Inclusion",
    4: "Ensure Equity in Decision-Making",
    5: "Coordinate Across Stakeholders",
    6: "Invest in Skills and Leadership Development",
    7: "Manage Internal Knowledge",
    8: "Identify Topics for Impact",
    9: "Innovate in Free Knowledge",
    10: "Evaluate, Iterate, and Adapt",
}
INITIATIVES = {
    1: "Systematic approach to improve satisfaction and productivity",
    2: "Funding for underrepresented communities",
    3: "Increased awareness about the Wikimedia Movement",
    4: "Global revenue generation policy + fundraising strategy",
    5: "Developing enterprise-level API",
    6: "Engagement of third party ecosystems",
    7: "Revenue generation for the Movement",
    8: "Align with environmental sustainability initiatives",
    9: "Methodology to improve the Wikimedia platform UX research, design, testing and community engagement",
    10: "Compatibility with Accessibility Guidelines",
    11: "Resources for newcomers",
    12: "Peer-to-peer spaces",
    13: "Platform functionality and documentation standards",
    14: "Cross-project tool development and reuse",
    15: "Partnerships to develop Wikimedia API",
    16: "Code of Conduct",
    17: "Private incident reporting",
    18: "Baseline of community responsibilities",
    19: "Develop a safety assessment and execution plan - technical, human, and legal support processes",
    20: "Advocacy - local capacity development",
    21: "Built-in platform mechanisms for safety",
    22: "Movement Charter",
    23: "Interim Global Council",
    24: "The Global Council",
    25: "Regional & thematic hubs",
    26: "Flexible resource allocation framework",
    27: "Guidelines for board functions and governance",
    28: "Living documents to define responsibilities for specific areas of work",
    29: "Enhance communication and collaboration capacity with partners and collaborators",
    30: "Technology Council (for improved communication, coordination and support)",
    31: "Global approach for local skill development - gathering data, matching peers, mentorship, recognition",
    32: "Leadership development plan",
    33: "Skill development infrastructure",
    34: "Facilitate a culture of documentation",
    35: "Establish a movement wide knowledge base",
    36: "Identify the impact of Wikimedia projects & content",
    37: "List of high-impact topics",
    38: "Content initiatives in underrepresented communities",
    39: "Identifying policies that hinder knowledge equity",
    40: "Policies for experimentation with projects for knowledge equity",
    41: "Continuous experimentation, technology, and partnerships for content, formats, and devices",
    42: "Monitoring, evaluation and learning at all levels with support and mutual accountability",
    43: "Develop a comprehensive evaluation system for Movement activities and structures - including technology, coordination, capacity, policies and governance",
    44: "Iterative change processes",
    45: "Adaptive Policies (flexible policies, structures, budgeting and planning to adapt to global changes)",
}


def _entries(catalogue: Catalogue) -> Iterator[tuple[str, str, Mapping[str, str]]]:
    for rec in catalogue.recommendations:
        yield f"recommendation {rec.number}", rec.title, rec.titles
        for ini in rec.initiatives:
            yield f"initiative {ini.number}", ini.title, ini.titles


def test_every_title_has_every_language(catalogue: Catalogue) -> None:
    entries = list(_entries(catalogue))
    assert len(entries) == 55
    for where, english, titles in entries:
        assert set(titles) == set(LANGUAGES), where
        for language in LANGUAGES:
            text = titles[language]
            assert text.strip() == text and text, (where, language)
            assert len(text) <= MAX_TRANSLATED_TITLE, (where, language)
            assert not any(ord(ch) < 32 for ch in text), (where, language)
        for language in NON_LATIN:
            assert titles[language] != english, (where, language)


@pytest.mark.parametrize("language", NON_LATIN)
def test_non_latin_titles_use_their_script(catalogue: Catalogue, language: str) -> None:
    ranges = {
        "ar": (0x0600, 0x06FF),
        "zh_Hans": (0x4E00, 0x9FFF),
        "zh_Hant": (0x4E00, 0x9FFF),
        "hi": (0x0900, 0x097F),
        "ru": (0x0400, 0x04FF),
    }
    low, high = ranges[language]
    for where, _english, titles in _entries(catalogue):
        assert any(low <= ord(ch) <= high for ch in titles[language]), (where, language)


def test_simplified_and_traditional_chinese_differ(catalogue: Catalogue) -> None:
    differing = [where for where, _e, titles in _entries(catalogue) if titles["zh_Hans"] != titles["zh_Hant"]]
    assert len(differing) >= 40


def test_translations_are_marked_unofficial(catalogue: Catalogue) -> None:
    assert catalogue.metadata["translations"] == "unofficial"
    assert "unofficial" in catalogue.metadata["translations_note"]


def test_english_titles_are_the_reports(catalogue: Catalogue) -> None:
    assert {r.number: r.title for r in catalogue.recommendations} == RECOMMENDATIONS
    assert {i.number: i.title for i in catalogue.initiatives} == INITIATIVES
    assert catalogue.initiative(24).title == "The Global Council"
    assert catalogue.initiative(25).title == "Regional & thematic hubs"
    assert [(r.source, r.target) for r in catalogue.merge_rules] == [(23, 24)]


def test_title_in_picks_the_translation(catalogue: Catalogue) -> None:
    assert catalogue.initiative(24).title_in("fr") == "Le Conseil mondial"
    assert catalogue.initiative(22).title_in("es") == "Carta del Movimiento"
    assert catalogue.initiative(22).title_in("de") == "Bewegungscharta"
    assert catalogue.initiative(25).title_in("fr") == "Pôles régionaux et thématiques"
    assert catalogue.initiative(24).title_in("de") == "Der Globale Rat"
    assert catalogue.initiative(24).title_in("es") == "El Consejo Global"
    assert catalogue.initiative(24).title_in(None) == "The Global Council"
    assert catalogue.initiative(24).title_in("ja") == "The Global Council"
