"""Intelligence reports: the first shared resource that obeys the releasability rule."""
