// Small text helpers shared by the result-writing scripts.
'use strict';

/** Wraps prose at 100 columns, as the rest of the repository is. */
function wrap(text) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

module.exports = { wrap };
