# One image for every service (api, minter, indexer, deploy). The contract artifact is committed,
# so the running image needs no Node; a first stage only fetches GraphiQL's pinned browser bundles
# (api/graphiql/package.json), of which four files are copied (the API serves nothing else).
FROM node:20-slim AS graphiql
WORKDIR /graphiql
COPY api/graphiql/package.json ./
RUN npm install --no-audit --no-fund --no-package-lock --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY contracts/__init__.py ./contracts/
COPY contracts/artifacts ./contracts/artifacts
COPY loyalty ./loyalty
COPY api ./api
COPY --from=graphiql /graphiql/node_modules/graphiql/graphiql.min.js /graphiql/node_modules/graphiql/graphiql.min.css ./api/graphiql/node_modules/graphiql/
COPY --from=graphiql /graphiql/node_modules/react/umd/react.production.min.js ./api/graphiql/node_modules/react/umd/
COPY --from=graphiql /graphiql/node_modules/react-dom/umd/react-dom.production.min.js ./api/graphiql/node_modules/react-dom/umd/
COPY indexer ./indexer
COPY minter ./minter
COPY audit ./audit
COPY cli ./cli
RUN pip install . && useradd --system --uid 10001 loyalty
USER loyalty
EXPOSE 8000 9100
CMD ["loyalty", "serve"]
