#!/usr/bin/env node
// The built CLI (npm run build); during development use `npm run kameng -- <command>`.
import '../dist/server/cli/main.js';
