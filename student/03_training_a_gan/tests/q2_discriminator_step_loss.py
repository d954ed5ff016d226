from otter.test_files import test_case

OK_FORMAT = False

name = "q2_discriminator_step_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_discriminator_step_loss(my_discriminator_step_loss):
    from gancourse import checks
    checks.discriminator_step_loss(my_discriminator_step_loss)

