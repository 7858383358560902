# The portal on a bare machine with only Python 3.11: `make run`, `make test`.
# DATABASE_URL / REDIS_URL switch from SQLite + a file broker to PostgreSQL + Redis.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
REQ_HASH := $(shell $(PYTHON) -c "import hashlib,sys;print(hashlib.sha1(open('requirements.txt','rb').read()).hexdigest()[:12])")
STAMP  := $(VENV)/.installed-$(REQ_HASH)

.PHONY: run test setup lint typecheck pytest check-deploy bench clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

run: setup
	$(BIN)/python manage.py seed_demo
	WEBHOOKS_ALLOW_LOOPBACK=1 $(BIN)/python manage.py runportal

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

check-deploy: $(STAMP)
	DJANGO_ENV=production DEBUG=0 SECRET_KEY=$$($(BIN)/python -c "import secrets;print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=portal.example.org SITE_URL=https://portal.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache tests/browser/artifacts
