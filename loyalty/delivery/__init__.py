"""The send step: policy (consent, pause, quiet hours, cap), rendering with attachments, the claim before the
provider call, and what the outcome records. Above campaigns: the top of the domain layers."""
