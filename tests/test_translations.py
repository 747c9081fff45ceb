"""The German, French, Spanish and Dutch translations: complete, faithful to strings.json, served.

`test_validation.py` checks that en.json is strings.json; these check every other language file
against strings.json, and that Home Assistant hands their text out (not its English fallback).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.parqex.const import DOMAIN
from tests.conftest import Simulator, find_entity, setup

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "parqex"
TRANSLATIONS = INTEGRATION / "translations"
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
LANGUAGES = ("de", "fr", "es", "nl")
URL = re.compile(r"https?://[^\s)\]>\"'`]+")
# A ParqEx door of the simulator's account (Kitty's garage).
KITTY = "70fc7ebd63d841d9a9f06ff815be1e7c"


def load(language: str) -> dict[str, Any]:
    """A translation file, parsed."""
    data: dict[str, Any] = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
    return data


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every leaf of `tree` under its dotted key path, as Home Assistant flattens translations."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def placeholders(text: str) -> set[str]:
    """The `{placeholder}` names in `text`, parsed as Home Assistant validates them."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def key_order(tree: dict[str, Any], prefix: str = "") -> list[str]:
    """Every key path of `tree`, branches included, in file order."""
    paths: list[str] = []
    for key, value in tree.items():
        paths.append(f"{prefix}{key}")
        if isinstance(value, dict):
            paths.extend(key_order(value, f"{prefix}{key}."))
    return paths


def test_every_translation_file_is_checked() -> None:
    """A language added to translations/ is added to LANGUAGES too, so these tests cover it."""
    present = {path.stem for path in TRANSLATIONS.glob("*.json")}
    assert present == {"en", *LANGUAGES}, f"translation files: {sorted(present)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_keys_as_strings(language: str) -> None:
    english = flatten(STRINGS)
    translated = flatten(load(language))
    missing = sorted(english.keys() - translated.keys())
    extra = sorted(translated.keys() - english.keys())
    assert (missing, extra) == ([], []), (
        f"{language}.json differs from strings.json: "
        f"{len(missing)} missing key(s) {missing}, {len(extra)} extra key(s) {extra}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_value_is_non_empty_text(language: str) -> None:
    bad = {
        key: value
        for key, value in flatten(load(language)).items()
        if not isinstance(value, str) or not value.strip()
    }
    assert not bad, f"{language}.json has empty or non-text values: {bad}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_placeholders_and_urls_as_english(language: str) -> None:
    """Home Assistant drops a translation whose placeholders differ, showing English instead."""
    english = flatten(STRINGS)
    mismatches: list[str] = []
    for key, text in flatten(load(language)).items():
        source = english.get(key)
        if not isinstance(source, str) or not isinstance(text, str):
            continue  # Reported by the key and value tests.
        try:
            found = placeholders(text)
        except ValueError as err:
            mismatches.append(f"{key}: unparsable ({err}): {text!r}")
            continue
        if found != (expected := placeholders(source)):
            mismatches.append(
                f"{key}: missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
            )
        if (urls := set(URL.findall(text))) != (expected_urls := set(URL.findall(source))):
            mismatches.append(f"{key}: URLs {sorted(urls)} instead of {sorted(expected_urls)}")
    assert not mismatches, f"{language}.json placeholder mismatches:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("language", LANGUAGES)
def test_file_layout(language: str) -> None:
    """Keys in strings.json's order; 2-space indent, real characters, a trailing newline."""
    data = load(language)
    english_keys, translated_keys = key_order(STRINGS), key_order(data)
    order = [key for key in translated_keys if key in set(english_keys)]
    expected = [key for key in english_keys if key in set(translated_keys)]
    assert order == expected, (
        f"{language}.json keys out of strings.json's order, from "
        f"{next(a for a, b in zip(order, expected, strict=True) if a != b)}"
    )
    text = (TRANSLATIONS / f"{language}.json").read_text("utf-8")
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n", (
        f"{language}.json is not written as json.dumps(indent=2, ensure_ascii=False) + newline"
    )


@pytest.mark.parametrize("category", sorted(STRINGS))
@pytest.mark.parametrize("language", LANGUAGES)
async def test_home_assistant_serves_the_file(
    hass: HomeAssistant, language: str, category: str
) -> None:
    """Every string of a category comes back from Home Assistant as the file has it."""
    served = await async_get_translations(hass, language, category, {DOMAIN})
    prefix = f"component.{DOMAIN}.{category}."
    expected = flatten(load(language).get(category, {}), prefix)
    english = flatten(STRINGS[category], prefix)
    # A string missing from the file, or one Home Assistant rejected, is served in English.
    wrong = {
        key: {"served": served.get(key), "file": expected.get(key)}
        for key in expected.keys() | english.keys()
        if served.get(key) != expected.get(key)
    }
    assert not wrong, f"Home Assistant serves {language} {category} differently: {wrong}"
    # The file's own text, not the English one: at least one string of the category differs.
    assert any(served[key] != english[key] for key in english), (
        f"{language} {category} is served exactly as English"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("category", "key"),
    [
        ("entity", "binary_sensor.door.name"),
        ("entity", "event.activity.state_attributes.event_type.state.locked"),
        ("config", "step.user.title"),
        ("config", "error.invalid_auth"),
        ("options", "step.init.data.scan_interval"),
        ("exceptions", "update_failed.message"),
        ("issues", "push_not_set_up.title"),
        ("services", "add_code.name"),
    ],
)
async def test_known_key_is_translated(
    hass: HomeAssistant, language: str, category: str, key: str
) -> None:
    served = await async_get_translations(hass, language, category, {DOMAIN})
    english = await async_get_translations(hass, "en", category, {DOMAIN})
    full_key = f"component.{DOMAIN}.{category}.{key}"
    assert served[full_key] == flatten(load(language))[f"{category}.{key}"]
    assert served[full_key] != english[full_key], f"{full_key} is English in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_entities_are_named_in_the_configured_language(
    hass: HomeAssistant, simulator: Simulator, parqex_entry: MockConfigEntry, language: str
) -> None:
    """With Home Assistant set to the language, a door's entity carries the file's name."""
    hass.config.language = language
    await setup(hass, parqex_entry)

    state = hass.states.get(find_entity(hass, "sensor", KITTY, "last_toggled"))

    assert state is not None
    name = load(language)["entity"]["sensor"]["last_toggled"]["name"]
    assert state.attributes["friendly_name"].endswith(f" {name}")
    assert not state.attributes["friendly_name"].endswith(
        STRINGS["entity"]["sensor"]["last_toggled"]["name"]
    )
