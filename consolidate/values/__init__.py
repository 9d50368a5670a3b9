"""Values as clerks type them, normalised: text, names, phones, functions, posts, dates, districts."""
