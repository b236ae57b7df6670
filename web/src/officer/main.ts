// The officer's phone page (issue 7): built by its own module set.
