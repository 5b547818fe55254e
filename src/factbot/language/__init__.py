"""Pure text work, no SQL: folding and words, sentences, speakers, names, roles, dates, commonness."""
