var sequenceMatcher = options => {
  return {
    warning: options.translations.warnings.sequences,
    suggestions: [options.translations.suggestions.sequences]
  };
};

export { sequenceMatcher as default };
//# sourceMappingURL=feedback.mjs.map
