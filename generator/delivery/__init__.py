"""Deliver: rendered letters to their addressees.

In: PDFs and addressees. Out: EML files and SMTP sends recorded in the outbox ledger (`mailing`,
`outbox`), and merged print-ready PDFs for the post (`post`).
"""
