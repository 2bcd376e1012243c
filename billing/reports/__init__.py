"""Reports over any range of days: time and money (`time`), service quality (`quality`),
their CSV (`csv`) and the portal's charts (`charts`). They join the time assistants log
with the invoices billing issues, so they live here, above both."""
