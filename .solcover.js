module.exports = {
  istanbulReporter: ["text", "json-summary", "html"],
};
