from otter.test_files import test_case

OK_FORMAT = False

name = "q2_identity_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_identity_loss(my_identity_loss):
    from gancourse import checks
    checks.identity_mapping_loss(my_identity_loss)

