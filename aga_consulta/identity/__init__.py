"""The site's identity: names, logo, colours and contact details from the settings, the favicon, robots.txt."""
