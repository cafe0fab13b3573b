"""The Candidate contract and what it may declare, the registry, user candidates, metrics, isolation
(one process per call under a hard box), the champion candidate and CandidateConformance."""
