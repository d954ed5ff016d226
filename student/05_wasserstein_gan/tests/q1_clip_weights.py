from otter.test_files import test_case

OK_FORMAT = False

name = "q1_clip_weights"
points = 2

@test_case(points=None, hidden=False)
def test_my_clip_weights(my_clip_weights):
    from gancourse import checks
    checks.clip_weights(my_clip_weights)

