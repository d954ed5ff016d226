from otter.test_files import test_case

OK_FORMAT = False

name = "q2_pulling_away_term"
points = 2

@test_case(points=None, hidden=False)
def test_my_pulling_away_term(my_pulling_away_term):
    from gancourse import checks
    checks.pulling_away_term(my_pulling_away_term)

