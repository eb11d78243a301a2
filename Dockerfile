# Baton image: one image for the API (default) and the worker (`npm run worker`). tsx runs the TypeScript
# sources directly, so there is no build step; `npm ci` installs the full lockfile.
#
# The source stage drops any node_modules/.data the build context brings along, so the image gets only the
# clean `npm ci` result even without a .dockerignore (adding one still makes builds faster).

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM node:24-slim AS source
WORKDIR /app
COPY . .
RUN rm -rf node_modules .data .tmp .git test-results

FROM node:24-slim
WORKDIR /app
# npm runs scripts with /bin/sh (dash), which stays in between as a parent that drops SIGTERM, so a
# `docker stop` would never reach the worker's graceful shutdown. bash execs the single command instead:
# npm -> tsx -> node, and the signal arrives.
ENV NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=source --chown=node:node /app ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
