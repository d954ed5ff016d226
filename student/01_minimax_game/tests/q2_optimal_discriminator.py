from otter.test_files import test_case

OK_FORMAT = False

name = "q2_optimal_discriminator"
points = 2

@test_case(points=None, hidden=False)
def test_my_optimal_discriminator(my_optimal_discriminator):
    from gancourse import checks
    checks.optimal_discriminator(my_optimal_discriminator)

