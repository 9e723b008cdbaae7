#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image. The autograder zip holds the course
# (made with `npm run export`), unpacked to /autograder/source.
set -euo pipefail
apt-get update
# bubblewrap, where the container allows it; otherwise the grader runs learner code as an unprivileged user.
apt-get install -y ca-certificates curl gnupg git bubblewrap
curl -fsSL https://deb.nodesource.com/setup_24.x | bash -
apt-get install -y nodejs
cd /autograder/source
npm ci --no-audit --no-fund
# The unprivileged user that runs learner code must read the course, never write it.
chmod -R a+rX,go-w /autograder/source
