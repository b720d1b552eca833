"""Rules added on first contact with real coverage (knowledge.attribution): one exact case each, all
text invented about made-up organisations."""

from __future__ import annotations

import pytest

from knowledge.attribution import extract_attributions, organization_aliases
from knowledge.records import Attribution


def quote(attributions: list[Attribution], words: str) -> Attribution:
    found = [a for a in attributions if a.kind == "quote" and words in a.text]
    assert found, f"no quote holds {words!r}: {[a.text for a in attributions]}"
    return found[0]


@pytest.mark.parametrize(("name", "alias", "present"), [
    ("Société Oriflamme", "Oriflamme", True),
    ("Société Oriflamme", "Société", False),
    ("British Airways", "BA", True),
    ("MGM Resorts", "MGM", True),
    ("Harborline Market", "Harborline", True),
    ("UnitedHealth Group", "UG", False),
])
def test_aliases(name: str, alias: str, present: bool) -> None:
    assert (alias in organization_aliases(name)) is present


def test_a_named_person_apologising_speaks_for_the_organisation() -> None:
    text = ("Tomas Reyna apologised on Friday after Pellwick Air said card details had been taken.\n\n"
            "“We will repay every customer who lost money,” Reyna said on the radio.\n\n"
            "“Airlines are a favourite target,” said Ida Holm, an analyst at Kettle Research.")
    found = extract_attributions(text, "article", ["Pellwick Air"])
    assert quote(found, "We will repay every customer").speaker_org == "Pellwick Air"
    assert quote(found, "Airlines are a favourite target").speaker_org is None


def test_an_unlabelled_interview_is_its_guests_words() -> None:
    text = ("Harlan Vey, who has run Brindle Pay since 2020, sat down with Example Radio this week. "
            "Vey told Example Radio the company would say more soon.\n\n"
            "**Was this a breach?**\n\n"
            "We used the word incident in our filings. If you want to call it a breach, fine.\n\n"
            "**How many merchants?**\n\n"
            "About 9,000, and the number could still go up.\n\n"
            "Analysts said the interview left many questions open, according to Example Radio.")
    found = extract_attributions(text, "article", ["Brindle Pay"])
    assert quote(found, "We used the word incident").speaker_org == "Brindle Pay"
    assert quote(found, "About 9,000").speaker_org == "Brindle Pay"
    assert not [a for a in found if a.kind == "quote" and "Was this a breach" in a.text]
    assert not [a for a in found if a.kind == "quote" and "Analysts said" in a.text]


def test_the_spokeswoman_of_the_group_speaks_for_the_group_not_its_subsidiary() -> None:
    text = ("The French retail group Sérignac said hackers had reached its subsidiary Clairbrook.\n\n"
            "«Only Clairbrook is concerned,» declared the spokeswoman of the group, Hélène Marchetti.")
    found = extract_attributions(text, "article", ["Groupe Sérignac", "Clairbrook Opticians"])
    assert quote(found, "Only Clairbrook is concerned").speaker_org == "Groupe Sérignac"


def test_leader_of_an_opposition_group_on_the_council_is_not_the_council() -> None:
    text = ("Cllr Ada Penn, leader of the opposition Green group on the council, said the attack was no "
            "surprise.\n\n“The council was warned twice,” she said.")
    found = extract_attributions(text, "article", ["Fenwick Borough Council"])
    assert quote(found, "The council was warned twice").speaker_org is None


def test_the_alias_in_any_case_before_a_role() -> None:
    text = "The Pellwick managing director, Ana Ruiz, said: “We will be open with every customer.”"
    found = extract_attributions(text, "article", ["Pellwick Air", "Groupe Vantin"])
    assert quote(found, "We will be open").speaker_org == "Pellwick Air"


def test_heres_the_email_introduces_the_organisations_block() -> None:
    text = ("Brindle Pay merchants started getting emails on Monday. Several readers forwarded theirs.\n\n"
            "Here's the email customers received:\n\n"
            "Dear Merchant,\n\n"
            "The reports that were accessed include your business name and bank account number.\n\n"
            "We sincerly apologize for the concern this may cause.\n\n"
            "Brindle Pay did not say how many merchants got the email.")
    found = extract_attributions(text, "article", ["Brindle Pay"])
    assert quote(found, "bank account number").speaker_org == "Brindle Pay"
    assert quote(found, "We sincerly apologize").speaker_org == "Brindle Pay"
    assert not [a for a in found if a.kind == "quote" and "did not say how many" in a.text]


def test_a_weekday_is_not_a_speaker() -> None:
    text = ("Halden Freight's SEC filing on Monday blamed “a flaw in a file transfer tool” but did not name "
            "the product.")
    found = extract_attributions(text, "article", ["Halden Freight"])
    assert quote(found, "a flaw in a file transfer tool").speaker_org == "Halden Freight"
