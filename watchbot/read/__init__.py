"""Read: a PDF's text page by page (text layer, else OCR), then its acts (split)."""
