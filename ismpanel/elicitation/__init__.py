"""Elicitation: study definitions, the panel store (the only code that opens the database),
the interview, and the aggregation of the experts' answers."""
