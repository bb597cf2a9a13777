# One image for every service (api, minter, indexer, deploy). The contract artifact is committed,
# so the image needs no Node.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts/__init__.py ./contracts/
COPY contracts/artifacts ./contracts/artifacts
COPY loyalty ./loyalty
COPY api ./api
COPY indexer ./indexer
COPY minter ./minter
COPY audit ./audit
COPY cli ./cli
RUN pip install . && useradd --system --uid 10001 loyalty
USER loyalty
EXPOSE 8000 9100
CMD ["loyalty", "serve"]
