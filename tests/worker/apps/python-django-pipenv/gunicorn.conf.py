bind = "0.0.0.0:8010"
workers = 2
accesslog = "-"
