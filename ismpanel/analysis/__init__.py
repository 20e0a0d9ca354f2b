"""Pure analysis engines over numpy/pandas: no printing, no prompts, no files."""
