# Every target sets itself up: a fresh clone needs only Python ≥ 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIPE   := $(BIN)/python -m pipeline

.DEFAULT_GOAL := help
.PHONY: help setup analyze refresh test lint bench bench-ingest bench-segment bench-themes bench-corpora notebook clean bench-topics bench-refresh bench-scale bench-network

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Error: Python 3.11+ is needed, found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 …")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,fast,dask]'
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the project with its dependencies

analyze: $(STAMP) ## Run the whole pipeline on corpus/ and write outputs/ (report: outputs/report.html)
	$(PIPE) analyze

refresh: $(STAMP) ## For cron: recompute only what changed since the last run (waits up to 10 min for a running one)
	$(PIPE) refresh --quiet --wait 600

test: $(STAMP) ## Run the test suite (doctests included)
	$(BIN)/python -m pytest

lint: $(STAMP) ## Ruff over the code and tests
	$(BIN)/ruff check pipeline tests bench

bench: bench-ingest bench-segment bench-themes bench-corpora bench-network ## Every benchmark (slow; prints tables)

bench-ingest: $(STAMP) ## Mojibake repair, encoding detection, dedupe and ingest throughput on ../shared/corpora
	$(BIN)/python bench/bench_mojibake.py
	$(BIN)/python bench/bench_readers.py
	$(BIN)/python bench/bench_textfix.py
	$(BIN)/python bench/bench_dedupe.py
	$(BIN)/python bench/bench_ingest.py

bench-corpora: $(STAMP) ## Whole ../shared/corpora, several sources, compilations, stubs (CPC=path/to/cpc_congress_reports.jsonl adds the party congresses)
	$(BIN)/python bench/bench_corpora.py $(if $(CPC),--cpc $(CPC))

bench-segment: $(STAMP) ## Segmentation throughput: pure jieba vs the fast backend
	$(BIN)/python bench/bench_segment.py
	$(BIN)/python bench/bench_term_splits.py

.PHONY: bench-splits
bench-splits: $(STAMP) ## Lexicon terms split by segmentation per corpus (target 0), throughput before/after protection
	$(BIN)/python bench/bench_term_splits.py --check

bench-themes: $(STAMP) ## First appearances on the national reports vs plain string search
	$(BIN)/python bench/bench_themes.py
	$(BIN)/python bench/bench_national.py

bench-network: $(STAMP) ## Network stage on ../shared/corpora and a 100 MB token table: seconds, peak RSS, density
	$(BIN)/python bench/bench_network.py

bench-refresh: $(STAMP) ## Cron safety: refresh timings on 1,000 reports, 20 x kill -9 mid-refresh, 1,000 bad files + a 50 MB line
	$(BIN)/python bench/bench_refresh.py

SIZES ?= 10,30,100
bench-scale: $(STAMP) ## Whole analyze on 10/30/100 MB built corpora vs plain jieba, RSS, refresh (slow; SIZES=10,30 for a subset)
	$(BIN)/python bench/bench_scale.py --sizes $(SIZES)

notebook: $(STAMP) ## Open Jupyter on notebooks/ (installs jupyterlab into .venv on first use)
	$(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/python -m jupyter lab notebooks/

clean: ## Remove generated outputs (keeps the cache and the run history)
	find outputs -mindepth 1 -maxdepth 1 ! -name README.md ! -name cache ! -name runs ! -name .lock -exec rm -rf {} +

bench-topics: $(STAMP) ## Topics: NPMI vs LDA, ARI over 5 seeds, time and peak RSS at 10/100 MB (national + sample)
	$(BIN)/python bench/bench_topics.py
