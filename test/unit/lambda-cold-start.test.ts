import { builtOnce } from '../../functions/lambda/cold-start';

describe('Function: builtOnce', () => {
  it('builds at once, and only once while the build holds', async () => {
    // Prepare
    let builds = 0;
    const ready = builtOnce(async () => {
      builds += 1;
      return `client ${builds}`;
    });

    // Act
    const [first, second] = await Promise.all([ready(), ready()]);

    // Assess
    expect(builds).toBe(1);
    expect([first, second]).toEqual(['client 1', 'client 1']);
  });

  it('reports a failed cold-start build to the first invocation and builds again for the next, so a fixed secret is picked up without a new container', async () => {
    // Prepare
    const secrets = ['placeholder', 'whsec_real'];
    const ready = builtOnce(async () => {
      const secret = secrets.shift();
      if (secret === 'placeholder') throw new Error('the secret holds its placeholder');
      return secret;
    });

    // Act
    const attempt = () =>
      ready().then(
        (value) => ({ ok: true, value }),
        (error: Error) => ({ ok: false, value: error.message }),
      );
    const first = await attempt();
    const second = await attempt();

    // Assess
    expect(first).toEqual({ ok: false, value: 'the secret holds its placeholder' });
    expect(second).toEqual({ ok: true, value: 'whsec_real' });
  });
});
