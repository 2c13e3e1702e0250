"""What a report page is made of: an area's report data, sections, and display helpers."""
