from otter.test_files import test_case

OK_FORMAT = False

name = "q1_cycle_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_cycle_loss(my_cycle_loss):
    from gancourse import checks
    checks.cycle_consistency_loss(my_cycle_loss)

