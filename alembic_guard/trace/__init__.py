"""Lock traces: what each revision's upgrade really locked and rewrote in PostgreSQL (model,
recorder in the round trip, marks on static findings, the gate's production sizing)."""
