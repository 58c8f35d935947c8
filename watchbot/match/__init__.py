"""Match: the YAML rules, the text normalisation they match on, and the classification of acts."""
