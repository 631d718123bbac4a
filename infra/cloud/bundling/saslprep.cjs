// Stands in for @mongodb-js/saslprep in function bundles and loads it on first call. The MongoDB driver requires it
// as it loads but calls it only to prepare a password for SCRAM-SHA-256, as a connection authenticates; the package
// decodes its Unicode tables as it loads, ~6 ms of every MongoDB-using function's cold import (bench, cold-start).
// The path is the package's own file: its name would be aliased back to this module.
let loaded

function saslprep(input, options) {
  loaded ??= require('../../../node_modules/@mongodb-js/saslprep/dist/node.js').saslprep
  return loaded(input, options)
}

exports.saslprep = saslprep
