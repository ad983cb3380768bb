from __future__ import annotations

import pytest

from assistant.model import Escalation
from assistant.policy import Policy
from assistant.rendering import Markup, render


@pytest.mark.parametrize("markup", list(Markup))
def test_render_every_markup(markup: Markup, escalation: Escalation, policy: Policy) -> None:
    out = render(escalation, policy, markup.value)
    if markup is Markup.ADF:
        assert isinstance(out, dict) and out["type"] == "doc"
    else:
        assert isinstance(out, str)
        for text in ("Checkout returns HTTP 500", "ACME Shop GmbH", "error", "ESC"):
            assert text in out
        assert "Sent with Escalation Assistant" in out


def test_unknown_markup(escalation: Escalation, policy: Policy) -> None:
    with pytest.raises(ValueError):
        render(escalation, policy, "bbcode")
