"""Quality review of contacts: a sampling policy fills reviewers' queues, reviewers score a
checklist, double-marked reviews measure agreement (Cohen's kappa), staff see their feedback."""
