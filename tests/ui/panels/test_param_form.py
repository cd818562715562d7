"""The schema form keeps keys it does not describe and puts errors next to their field."""

from __future__ import annotations

from engine import EngineService
from tests.ui.panels.plugins import KitchenSink, install
from ui.panels.field_editors import StringEditor
from ui.panels.param_form import ParamForm, field_of_error


def test_field_of_error() -> None:
    assert field_of_error("'mode' is a required property") == "mode"
    assert field_of_error("items/2: 'x' is not of type 'integer'") == "items"
    assert field_of_error("title: 'far too long' is too long") == "title"
    assert field_of_error("Additional properties are not allowed ('zzz' was unexpected)") is None


async def test_unknown_keys_survive_and_errors_land_on_their_field(qtbot, service: EngineService) -> None:
    install(service)
    form = ParamForm(KitchenSink.params_schema)
    qtbot.addWidget(form)
    form.set_values({"mode": "fast", "items": [1, "x"], "zzz": 1})
    params, problems = form.values()
    assert params == {"zzz": 1, "mode": "fast", "items": [1, "x"]} and problems == {}
    errors = service.registry.param_errors(KitchenSink.id, params)
    form.show_errors(errors)
    shown = form.errors_shown()
    assert "is not of type 'integer'" in shown["items"]
    assert "zzz" in shown[""]  # additionalProperties: shown under the form
    form.show_errors([])
    assert form.errors_shown() == {}
    title = form.editors["title"]
    assert isinstance(title, StringEditor)
    edited: list[bool] = []
    form.edited.connect(lambda: edited.append(True))
    qtbot.keyClicks(title.line, "Hi")
    assert edited and form.values()[0]["title"] == "Hi"
    title.line.clear()
    title.line.textEdited.emit("")
    assert "title" not in form.values()[0]  # an emptied text leaves the key out
