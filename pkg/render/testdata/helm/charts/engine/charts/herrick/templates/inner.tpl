# Old {{.Values.who}} is still a-flyin'
