"""cost(), PriceTable and Cost: exact decimals end to end, overrides, LiteLLM's file."""

import os
from decimal import Decimal
from pathlib import Path

import pytest

import hailog


def test_cost_is_exact_decimal_with_breakdown_summing_to_total():
    c = hailog.cost("gpt-4o", {"input": 1000, "cache_read": 2000, "output": 500})
    assert isinstance(c.total, Decimal)
    assert c.provenance == "computed"
    assert sum(c.breakdown.values()) == c.total
    assert c.table_version and c.model == "gpt-4o"
    assert hailog.cost("gpt-4o", hailog.Usage(input=1000, cache_read=2000, output=500)).total == c.total


def test_unknown_model_is_unpriced_never_zero():
    c = hailog.cost("no-such-model-xyz", {"input": 10, "output": 10})
    assert c.total is None and c.provenance == "unpriced"
    assert c.to_dict()["total"] is None


def test_a_million_costs_sum_exactly():
    c = hailog.cost("gpt-4o-mini", {"input": 3, "output": 7})
    total = sum((c.total for _ in range(10_000)), Decimal(0))
    assert total == c.total * 10_000


def test_set_override_on_a_copy_leaves_builtin_alone():
    table = hailog.PriceTable.builtin()
    table.set("acme", "acme-1", input="1.25", output=Decimal("10"), cache_read=0.1)
    c = table.cost("acme-1", {"input": 1_000_000, "output": 100_000, "cache_read": 1_000_000})
    assert c.total == Decimal("1.25") + Decimal("1.0") + Decimal("0.1")
    assert hailog.cost("acme-1", {"input": 1}).total is None
    assert hailog.cost("acme-1", {"input": 1_000_000}, table=table).total == Decimal("1.25")


def test_bad_rate_and_ambiguous_model_errors_carry_kind():
    table = hailog.PriceTable.builtin()
    with pytest.raises(hailog.InvalidInputError, match="input"):
        table.set("acme", "acme-1", input="abc", output=1)
    with pytest.raises(hailog.PricingError) as caught:
        table.set("acme", "acme-1", input=-1, output=1)
    assert caught.value.kind == "invalid_entry"
    with pytest.raises(hailog.PricingError) as caught:
        hailog.cost("gpt-4o", {"input": 1}, provider=None, service_tier="no-such-tier")
    assert caught.value.kind == "unknown_service_tier"


def test_at_accepts_datetime_and_rejects_garbage():
    from datetime import datetime, timezone

    when = datetime(2025, 10, 15, tzinfo=timezone.utc)
    assert hailog.cost("claude-sonnet-4-5", {"input": 1000}, at=when).total is not None
    with pytest.raises(hailog.InvalidInputError, match="at"):
        hailog.cost("claude-sonnet-4-5", {"input": 1000}, at="yesterday")


def test_load_file_and_missing_file(tmp_path: Path):
    with pytest.raises(hailog.PricingError) as caught:
        hailog.PriceTable.load(tmp_path / "missing.json")
    assert caught.value.kind == "io"


def _litellm():
    # Use the price map shipped inside the package; never fetch it over the network.
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    import litellm

    return litellm


@pytest.mark.parametrize(
    "model", ["gpt-4o", "gpt-4o-mini", "claude-haiku-4-5", "deepseek/deepseek-chat", "gemini/gemini-3.1-flash-lite-preview"]
)
def test_litellm_file_gives_litellms_own_cost(model):
    litellm = _litellm()
    price_file = Path(litellm.__file__).parent / "model_prices_and_context_window_backup.json"
    table = hailog.PriceTable.load_litellm(price_file)
    prompt, completion = 123_457, 6_789
    want_in, want_out = litellm.cost_per_token(
        model=model, prompt_tokens=prompt, completion_tokens=completion
    )
    got = table.cost(model, {"input": prompt, "output": completion})
    assert got.provenance == "computed", got
    # LiteLLM computes in binary floats; hailog is exact. They agree to float precision.
    assert float(got.total) == pytest.approx(want_in + want_out, rel=1e-12, abs=0)
