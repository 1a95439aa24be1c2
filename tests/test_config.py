from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_pipeline_toml_restates_the_defaults():
    # The documented file must not drift from the dataclass defaults.
    assert load_config(ROOT / "pipeline.toml") == Config()


def test_overrides_return_a_new_value():
    base = Config()
    cfg = base.with_overrides({"topics": {"n_topics": "6"}, "segment": {"pos_keep": "n,vn"}, "cache": "false"})
    assert (cfg.topics.n_topics, cfg.segment.pos_keep, cfg.cache) == (6, ("n", "vn"), False)
    assert base.topics.n_topics == "auto"


def test_unknown_key_names_the_key_and_the_known_ones():
    with pytest.raises(ConfigError, match=r"Unknown config key 'topics.n_topic'. Known keys here: .*n_topics"):
        Config().with_overrides({"topics": {"n_topic": 3}})


def test_bad_number_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError, match="must be a number"):
        Config().with_overrides({"topics": {"min_df": "many"}})
    with pytest.raises(ConfigError, match='n_topics must be "auto" or a whole number'):
        Config().with_overrides({"topics": {"n_topics": "many"}})
    bad = tmp_path / "bad.toml"
    bad.write_text("[topics\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
