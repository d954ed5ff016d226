from otter.test_files import test_case

OK_FORMAT = False

name = "q2_precision_recall"
points = 2

@test_case(points=None, hidden=False)
def test_my_precision_recall(my_precision_recall):
    from gancourse import checks
    checks.precision_recall(my_precision_recall)

