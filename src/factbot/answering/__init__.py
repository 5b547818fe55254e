"""Questions to answers: matching passages, the quoted answer or abstention, recorded gaps."""
