/**
 * Preloaded into a test server (`NODE_OPTIONS=--require …/shifted-clock-preload.js`, `SHIFTED_CLOCK_FILE=…`): the
 * server's clock runs ahead by the milliseconds written in that file, so a test drives time in the
 * service (a quota period ending) without waiting for it. Only `Date` moves; timers run as usual.
 */
const fs = require('node:fs');

const file = process.env.SHIFTED_CLOCK_FILE;
const RealDate = Date;
let offset = 0;

function readOffset() {
  try {
    offset = Number(fs.readFileSync(file, 'utf8')) || 0;
  } catch {
    offset = 0;
  }
}

if (file) {
  readOffset();
  fs.watchFile(file, { interval: 20, persistent: false }, readOffset);
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }

    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}
